-- Pinyin typos are matched on the 专名 too ('hetnag' → 荷塘区, whose full pinyin is longer).
CREATE INDEX place_names_proper_pinyin_trgm ON place_names USING gin (proper_pinyin gin_trgm_ops);
