// The administrator's users page (admin_users.html), on top of desk.js: opens a user's row
// of actions, turns the password choice (typed twice / generated / none) into the API's
// body, checks the two typed passwords agree before asking the server, and shows what an
// action answered: a generated password or an issued token once, with a copy button; and
// a phone's one-time sign-in link as a large QR code in a dialog (配对手机).
(function () {
  "use strict";
  const { t, el, ApiError } = window.civgeo;

  // "Manage" opens and closes the user's row of actions.
  document.addEventListener("click", (event) => {
    const button = event.target.closest(".manage-toggle");
    if (!button) return;
    const row = document.getElementById(button.getAttribute("aria-controls"));
    const open = row.hidden;
    row.hidden = !open;
    button.setAttribute("aria-expanded", String(open));
  });

  // The password choice: the two fields only when the password is typed.
  function applyMode(form) {
    const checked = form.querySelector("input[name=mode]:checked");
    const typed = !checked || checked.value === "type";
    form.querySelectorAll("label.typed").forEach((label) => { label.hidden = !typed; });
    form.querySelectorAll("label.typed input").forEach((input) => { input.disabled = !typed; });
  }

  function refused(detail, field) {
    return new ApiError(422, { detail, field });
  }

  // The body the API takes: {password, password_again} or {generate: true} (or neither).
  function withMode(body) {
    const mode = body.mode || "type";
    delete body.mode;
    if (mode === "generate") body.generate = true;
    if (mode === "type") {
      const password = body.password || "";
      if (password.length < 10 || password.length > 256) throw refused(t("password_length"), "password");
      if (password.trim() !== password) throw refused(t("password_spaces"), "password");
      if (password !== body.password_again) throw refused(t("passwords_differ"), "password_again");
    }
    return body;
  }

  document.querySelectorAll("form.has-mode").forEach((form) => {
    form.civgeoBody = withMode;
    form.addEventListener("change", (event) => {
      if (event.target.name === "mode") applyMode(form);
    });
    applyMode(form);
  });

  // What an action answered, in the panel at the top; "Done" reloads the table.
  const panel = document.getElementById("once");
  const secrets = document.getElementById("once-secrets");

  function secret(id, label, value) {
    return el("div", { class: "secret" },
      el("span", { class: "label" }, label),
      el("code", { id, class: "secret-value" }, value),
      el("button", { type: "button", "data-copy": id, "data-copied": t("copied") }, t("copy")));
  }

  function show(title, shown) {
    document.getElementById("once-title").textContent = title;
    secrets.replaceChildren(...shown);
    document.getElementById("once-hint").hidden = shown.length === 0;
    panel.hidden = false;
    panel.scrollIntoView({ block: "start" });
  }

  document.addEventListener("civgeo:done", (event) => {
    const form = event.target;
    const answer = event.detail || {};
    const kind = form.dataset.kind;
    const shown = [];
    if (answer.password) shown.push(secret("once-password", t("once_password"), answer.password));
    if (answer.token) shown.push(secret("once-token", t("once_token"), answer.token));
    if (kind === "add") {
      show(t("added", { name: answer.name }), shown);
      form.reset();
      applyMode(form);
    } else if (kind === "reset") {
      show(t("password_reset", { name: answer.name, n: answer.sessions_closed }), shown);
      form.reset();
      applyMode(form);
    } else if (kind === "pair") {
      showPairing(answer);
    } else if (kind === "revoke") {
      show(t("revoked", { name: answer.name, tokens: answer.tokens_revoked,
                          sessions: answer.sessions_closed }), shown);
    }
  });

  document.getElementById("once-done").addEventListener("click", () => location.reload());

  // A phone's sign-in link: the QR code (an SVG the server drew, shown as an image so
  // nothing in it runs), whose phone it is for, until when (Beijing time) and the link.
  function beijing(iso) {
    const at = Date.parse(iso);
    if (isNaN(at)) return String(iso);
    return new Date(at + 8 * 3600 * 1000).toISOString().slice(0, 16).replace("T", " ");
  }

  function showPairing(answer) {
    const dialog = document.getElementById("pair");
    document.getElementById("pair-title").textContent = t("pair_title", { name: answer.user });
    document.getElementById("pair-qr").src =
      "data:image/svg+xml;charset=utf-8," + encodeURIComponent(answer.qr_svg);
    document.getElementById("pair-expires").textContent =
      t("pair_expires", { time: beijing(answer.expires_at) });
    document.getElementById("pair-url").textContent = answer.url;
    if (!dialog.open) dialog.showModal();
  }
})();
