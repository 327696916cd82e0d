-- Search that forgives a missing character (issue 17): a name one character longer than
-- the query, with the extra character anywhere, is found by a prefix scan of the query's
-- first half or a suffix scan of its tail among names of exactly that length. Length first
-- keeps each scan to names of the query's length plus one (PERF.md: no scan of every name
-- that starts with 新 or ends with 村).
CREATE INDEX place_names_name_len ON place_names (length(name), name text_pattern_ops);
CREATE INDEX place_names_name_len_rev
    ON place_names (length(name), reverse(name) text_pattern_ops);
