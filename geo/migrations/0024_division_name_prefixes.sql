-- Reading an address (上海路82号, 南京市秦淮区上海路82号) looks up the divisions whose name,
-- or whose name without its generic (南京 for 南京市), is a leading part of the text. That
-- was a regular expression over every current division on every address search (24 ms of
-- a 30 ms request); these indexes answer it with look-ups of the text's leading parts.
CREATE OR REPLACE FUNCTION civgeo_division_short(name text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN regexp_replace(name, '(省|市|自治区|自治州|地区|区|县|街道|镇|乡|社区|居委会|村委会|村)$', '');

CREATE INDEX divisions_current_name ON divisions (name) WHERE upper_inf(valid);
CREATE INDEX divisions_current_short ON divisions (civgeo_division_short(name))
    WHERE upper_inf(valid);
