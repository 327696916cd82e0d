-- Place names (地名): categories, the gazetteer with its history, and search keys.

-- Defined here, not in functions/, because an index depends on it: changing it needs a
-- migration that rebuilds place_names_bigrams.
CREATE FUNCTION civgeo_bigrams(txt text) RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT AS $$
    SELECT coalesce(array_agg(DISTINCT substr(txt, i, 2)), '{}')
    FROM generate_series(1, length(txt) - 1) AS i
$$;
CREATE FUNCTION civgeo_chars(txt text) RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT AS $$
    SELECT coalesce(array_agg(DISTINCT substr(txt, i, 1)), '{}')
    FROM generate_series(1, length(txt)) AS i
$$;
COMMENT ON FUNCTION civgeo_chars(text) IS
    'Distinct characters of a name: the GIN key for a typo in the middle of a short name '
    '(东崔浒 → 东?浒: no bigram survives, the rarest character narrows it down).';

COMMENT ON FUNCTION civgeo_bigrams(text) IS
    'Distinct 2-character substrings of a name: the GIN key for Chinese substring search '
    '(pg_trgm needs three characters; most Chinese place-name queries have two).';

-- GB/T 18521-style hierarchical categories. The numbering in the sample list is
-- UNCONFIRMED (DOMAIN §B); the table, not the code, is the authority.
CREATE TABLE place_categories (
    code        text PRIMARY KEY CHECK (code ~ '^[0-9]{2,6}$'),
    name        text NOT NULL,
    parent_code text REFERENCES place_categories (code),
    -- Where a name must be unique (DOMAIN §A3 rules 7–8): nation, province, county, or
    -- the built-up area (建成区) it lies in.
    scope       text CHECK (scope IN ('nation', 'province', 'county', 'built_up')),
    joined      boolean NOT NULL DEFAULT false,  -- romanized as one word (natural villages, towns)
    rank        smallint NOT NULL DEFAULT 50     -- search order between equal matches (lower first)
);

CREATE TABLE place_names (
    id             bigserial PRIMARY KEY,
    name           text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    proper         text NOT NULL,                 -- 专名
    generic        text NOT NULL DEFAULT '',      -- 通名
    roman          text,                          -- 罗马字母拼写, tone-less
    roman_toned    text,                          -- tone-marked
    roman_manual   boolean NOT NULL DEFAULT false, -- entered by hand (minority names, fixes)
    minority_name  text,                          -- 民族文字 form, if any
    minority_language text,
    category_code  text NOT NULL REFERENCES place_categories (code),
    division_code  text,                          -- the (smallest) division it lies in
    geom           geometry(Geometry, 4490),
    meaning        text,                          -- 地名含义
    origin         text,                          -- 地名来历
    history        text,                          -- 历史沿革
    status         text NOT NULL DEFAULT 'standard'
                   CHECK (status IN ('standard', 'historical', 'abolished')),
    valid          daterange NOT NULL DEFAULT daterange(NULL, NULL),
    current_id     bigint REFERENCES place_names (id),  -- historical → the name it became
    approved_by    text,                          -- 批准机关
    approved_on    date,                          -- 批准时间
    document_no    text,                          -- 批准文号
    protected      boolean NOT NULL DEFAULT false, -- on a 地名保护名录
    source         text NOT NULL,
    dataset        text REFERENCES datasets (name) ON DELETE SET NULL,
    version        integer NOT NULL DEFAULT 1,
    -- search keys, filled from the name when it is written
    pinyin         text NOT NULL,                 -- tone-less syllables run together: zhuzhoushi
    proper_pinyin  text NOT NULL,                 -- of the 专名 only (homophone checks)
    initials       text NOT NULL,                 -- zzs
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now()
);

-- Chinese search: character bigrams (pg_trgm needs 3 characters; most queries are 2, see
-- PERF.md), exact and prefix by btree, one-character typos by the reversed name.
CREATE INDEX place_names_bigrams ON place_names USING gin (civgeo_bigrams(name));
CREATE INDEX place_names_name ON place_names (name text_pattern_ops);
CREATE INDEX place_names_reverse ON place_names (reverse(name) text_pattern_ops);
CREATE INDEX place_names_chars ON place_names USING gin (civgeo_chars(name));
CREATE INDEX place_names_proper ON place_names (proper);
-- Latin search: exact and prefix by btree. Typos by the pigeonhole rule: one edit leaves
-- a prefix or a suffix of the query intact, so candidates come from prefix scans on the
-- pinyin and on the reversed pinyin, per length (length first keeps each scan to names
-- of about the query's length). Trigrams over pinyin (a small alphabet: 'ang', 'xia'
-- are everywhere) scanned far too much.
CREATE INDEX place_names_pinyin ON place_names (pinyin text_pattern_ops);
CREATE INDEX place_names_pinyin_len ON place_names (length(pinyin), pinyin text_pattern_ops);
CREATE INDEX place_names_pinyin_len_rev
    ON place_names (length(pinyin), reverse(pinyin) text_pattern_ops);
CREATE INDEX place_names_initials ON place_names (initials text_pattern_ops);
CREATE INDEX place_names_proper_pinyin ON place_names (proper_pinyin text_pattern_ops);
CREATE INDEX place_names_proper_pinyin_len
    ON place_names (length(proper_pinyin), proper_pinyin text_pattern_ops);
CREATE INDEX place_names_proper_pinyin_len_rev
    ON place_names (length(proper_pinyin), reverse(proper_pinyin) text_pattern_ops);
CREATE INDEX place_names_division ON place_names (division_code text_pattern_ops);
CREATE INDEX place_names_geom ON place_names USING gist (geom);
CREATE INDEX place_names_current ON place_names (current_id);
