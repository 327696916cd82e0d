# ruff: noqa: E501  (the message table reads best one message per line)
"""The staff app's pages (DESIGN §4a "people in a browser"): home and the planner's
coverage workbench. Pages are HTML shells in the user's language; their data comes from
the JSON API with the session cookie (and its CSRF token on writes)."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.deps import Conn, current_actor, require
from api.params import OptionalDivision
from api.web import i18n
from api.web.pages import LINKS, page
from geo import divisions
from geo.audit import Actor
from maps import basemap

router = APIRouter(prefix="/app", include_in_schema=False)
N_ = i18n.N_

# Every string the workbench's script shows, translated on the server.
WORKBENCH_MESSAGES = {
    "loading": N_("Loading…"),
    "failed": N_("Could not load: %(detail)s"),
    "indicator": N_("Indicator"), "value": N_("Value"), "target": N_("Target"),
    "meets": N_("meets the target"), "below": N_("below the target"), "no_target": N_("no target set"),
    "beds_per_1000": N_("Beds per 1,000 elderly (60+)"),
    "nursing_share": N_("Share of nursing beds"),
    "community_coverage_urban": N_("Urban communities with an eldercare site"),
    "community_coverage_rural": N_("Villages with an eldercare site"),
    "circle_elderly_share": N_("Elderly within the 15-minute circle"),
    "cemetery_village_coverage": N_("Villages served by a public cemetery"),
    "relief_share_within_sla": N_("Communities reached by relief supplies in time"),
    "method_network": N_("Walking distances on the real street network (%(network)s), %(minutes)s minutes at %(speed)s m/min."),
    "method_straight": N_("STRAIGHT-LINE ESTIMATE: no street network is loaded here, so distances are straight lines × %(detour)s (detour factor); import a network to get network results."),
    "relief_target": N_("within %(hours)s hours"),
    "relief_method": N_("Relief reach: driving at %(speed)s km/h from %(n)s warehouses."),
    "uncovered_none": N_("Every community is covered."),
    "uncovered_count": N_("%(n)s communities are not fully covered (%(elderly)s elderly left out)."),
    "elderly": N_("elderly"),
    "status_over_capacity": N_("Sites full"), "status_too_far": N_("Too far"),
    "status_off_network": N_("Off the street network"),
    "reason_over_capacity": N_("The sites within %(limit_minutes)s minutes have room for %(room)s of its %(elderly)s elderly (nearest: %(site)s, %(distance_m)s m)."),
    "reason_too_far": N_("The nearest site, %(site)s, is %(distance_m)s m away (%(minutes)s min walk), beyond %(limit_minutes)s minutes."),
    "reason_too_far_none": N_("No community eldercare site within %(km)s km."),
    "reason_off_network": N_("No walkable street within %(snap_m)s m of the community centre."),
    "status_partly_covered": N_("Partly covered"), "status_no_elderly": N_("No elderly on the grid"),
    "reason_partly_covered": N_("%(covered)s of its %(elderly)s elderly live within %(limit_minutes)s minutes of a site with room; of the rest, %(too_far)s live too far, %(over_capacity)s reach only full sites and %(off_network)s live off the street network."),
    "reason_no_elderly": N_("No one aged 60+ lives here on the population grid."),
    "reason_off_network_cells": N_("%(off_network)s of its %(elderly)s elderly live farther than %(snap_m)s m from any walkable street."),
    "hotspot_off": N_("%(too_far)s too far, %(over_capacity)s at full sites, %(off_network)s off the network; no walk to a site can be measured from off the network."),
    "hidden_help_distance": N_("Hidden uncovered: elderly of communities the centre method calls covered whom the cells find uncovered. Shares by distance only, site capacity not counted."),
    "rows_from": N_("Every row is from the circle of %(name)s: a site's places are shared by all who reach it there, so a district opened on its own can show other shares."),
    "population_census": N_("Elderly: the 2020 census count of each county spread over its communities (synthetic), counted at each community's centre."),
    "population_cells": N_("Elderly counted per 100 m cell of %(source)s (%(scaled)s), each cell placed on the walking network. %(credit)s"),
    "scaled_yes": N_("scaled to each county's 2020 census count"), "scaled_no": N_("not scaled to the census"),
    "no_grid": N_("No population grid covers this division: its elderly are the census count spread over its communities, so there are no cells to show."),
    "grid_title": N_("Covered share per 100 m cell beside community centres"),
    "col_district": N_("District"), "col_cells": N_("Per cell"), "col_centroids": N_("Per centre"),
    "col_diff": N_("Difference (points)"), "col_hidden": N_("Hidden uncovered"),
    "hidden_help": N_("Hidden uncovered: elderly of communities the centre method calls covered whom the cells find uncovered. Shares count site capacity."),
    "hotspots_title": N_("Hot spots of uncovered elderly"),
    "hotspots_summary": N_("%(n)s hot spots hold %(elderly)s of the %(all)s uncovered elderly"),
    "hotspots_none": N_("No elderly are left uncovered."),
    "hotspot_line": N_("#%(rank)s · %(elderly)s uncovered elderly in %(cells)s cells"),
    "hotspot_why": N_("%(too_far)s too far, %(over_capacity)s at full sites, %(off_network)s off the network; median walk to a site %(minutes)s min (%(site)s)."),
    "zoom": N_("Show on the map"),
    "whatif_hint": N_("Click on the map to try a new site there. Click again to add more sites."),
    "whatif_sites": N_("New sites tried"), "remove": N_("Remove"), "clear": N_("Clear"),
    "site_n": N_("New site %(n)s"),
    "newly_covered": N_("Elderly newly covered"),
    "share_change": N_("Share of elderly covered"),
    "communities_gained": N_("Communities newly covered"),
    "no_gain": N_("No uncovered community is within reach of this site."),
    "assumptions": N_("Assumptions: %(minutes)s minutes at %(speed)s m/min; %(capacity)s."),
    "capacity_on": N_("site capacity counted"), "capacity_off": N_("distance only, capacity not counted"),
    "stale": N_("This result was worked out with other assumptions than those now chosen: %(what)s. Run it again to compare like with like."),
    "diff_minutes": N_("walking time"), "diff_speed": N_("walking speed"),
    "diff_capacity": N_("capacity"), "diff_division": N_("division"),
    "scenario_name": N_("Scenario name"), "save": N_("Save as scenario"),
    "saved": N_("Saved as scenario %(id)s."),
    "name_needed": N_("Give the scenario a name."),
    "k": N_("Number of sites"), "run": N_("Suggest sites"),
    "suggestion_n": N_("Suggestion %(n)s"),
    "why": N_("Brings %(elderly)s uncovered elderly in %(n)s communities within %(minutes)s minutes."),
    "use_as_whatif": N_("Try these sites in What-if"),
    "scenarios_none": N_("No saved scenarios for this division yet."),
    "compare": N_("Compare selected"), "pick_two": N_("Select two or more scenarios."),
    "kind_what_if": N_("What-if"), "kind_suggestions": N_("Suggestions"),
    "sites_added": N_("Sites added"), "share_before": N_("Share before"),
    "share_after": N_("Share after"), "created": N_("Saved"),
    "difference": N_("Difference from %(name)s"),
    "only_in": N_("Sites only in %(name)s: %(n)s"),
    "covered_only_by": N_("Communities newly covered only by %(name)s: %(list)s"),
    "delta_elderly": N_("Elderly newly covered: %(delta)s"),
    "delta_share": N_("Share after: %(delta)s percentage points"),
    "warn_different_speed": N_("These scenarios used different walking speeds (%(values)s m/min): their figures are not comparable."),
    "warn_different_minutes": N_("These scenarios used different walking times (%(values)s minutes): their figures are not comparable."),
    "warn_different_capacity": N_("One scenario counted site capacity and another did not: their figures are not comparable."),
    "warn_different_division": N_("These scenarios are of different divisions (%(values)s)."),
    "warn_different_demand": N_("These scenarios counted the elderly differently (%(values)s: per population-grid cell or at community centres): their figures are not comparable."),
    "session_ended": N_("Your session has ended. Sign in again."),
}


def _messages(locale: str) -> dict[str, str]:
    return {k: i18n.gettext(locale, v) for k, v in WORKBENCH_MESSAGES.items()}


@router.get("/basemap.js", response_class=Response)
def basemap_script() -> Response:
    """civgeo's basemap drawing code for the desks' Leaflet maps (``maps/basemap.py``)."""
    return Response(basemap.script(), media_type="text/javascript",
                    headers={"Cache-Control": "public, max-age=3600"})


@router.get("/", response_class=HTMLResponse)
def home(request: Request, actor: Annotated[Actor, Depends(current_actor)]) -> HTMLResponse:
    """A signed-in user's home: what the role can open."""
    links = LINKS.get(actor.role, []) if actor.role != "admin" else [
        link for group in LINKS.values() for link in group]
    return page(request, "home.html", actor=actor, links=list(dict.fromkeys(links)))


@router.get("/coverage", response_class=HTMLResponse)
def workbench(request: Request, conn: Conn,
              actor: Annotated[Actor, Depends(require("planner"))],
              division: OptionalDivision = None) -> HTMLResponse:
    """The planner's workbench: a division's coverage map with its indicators, the
    uncovered communities, site suggestions, what-if sites and scenarios."""
    tree = divisions.tree(conn)
    codes = {c["code"] for city in tree for c in [city, *city["counties"]]}
    if division is not None and division not in codes:
        division = None
    if division is None:
        first = next((c["code"] for city in tree for c in city["counties"]), None)
        if first is None:
            return page(request, "coverage.html", actor=actor, tree=[], division=None,
                        boot="{}")
        return RedirectResponse(f"/app/coverage?division={first}", status_code=303)
    locale = i18n.locale_of(request)
    boot = json.dumps({"division": division, "lang": locale, "messages": _messages(locale)},
                      ensure_ascii=False).replace("</", "<\\/")
    return page(request, "coverage.html", actor=actor, tree=tree, division=division, boot=boot)

