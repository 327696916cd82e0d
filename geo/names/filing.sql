-- name: number_taken
-- Another building-name filing with this 备案号 (unique index name_applications_filing_no).
SELECT id FROM name_applications
WHERE kind = 'filing' AND filing_no = %(no)s AND id <> %(id)s

-- name: last_number
-- The highest sequence drawn under a county-and-year prefix ('430202建名备〔2026〕'); the
-- unique index turns two officers drawing the same number at once into a 409.
SELECT max((regexp_match(filing_no, '(\d+)号$'))[1]::int)
FROM name_applications
WHERE kind = 'filing' AND filing_no LIKE %(prefix)s || '%%'

-- name: set_filing
-- A filed name: standard from its filing day, with its filing record (and the
-- romanization entered by hand, as an approval writes it).
UPDATE place_names
SET filing_no = %(filing_no)s, filed_on = %(on)s, filed_by = %(by)s,
    valid = daterange(%(on)s, NULL), origin = %(origin)s,
    roman = coalesce(%(roman_manual)s, roman), roman_toned = coalesce(%(roman_manual)s, roman_toned),
    roman_manual = %(roman_manual)s IS NOT NULL
WHERE id = %(id)s
