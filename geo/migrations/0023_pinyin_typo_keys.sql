-- Pinyin typos are found by exact look-ups of the keys one letter away from the query
-- that are runs of whole syllables (geo/names/search.py, one_letter_keys): a few hundred
-- probes of the pinyin and 专名-pinyin btrees instead of prefix scans by length that read
-- thousands of names for a short head. The length-first indexes on the 专名's pinyin served
-- only those scans; the ones on the whole pinyin stay for a missing syllable.
DROP INDEX IF EXISTS place_names_proper_pinyin_len;
DROP INDEX IF EXISTS place_names_proper_pinyin_len_rev;
