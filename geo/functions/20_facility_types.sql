-- Facility types (DOMAIN §E-F), re-applied on every migrate. ``circle``: community-level
-- eldercare sites counted by the 15-minute circle (长者食堂 serve meals only and do not
-- count); ``institution``: sites whose beds are 养老床位; ``public_cemetery``: 公益性 burial.

INSERT INTO facility_types (code, kind, name, level, circle, institution, public_cemetery, sort)
VALUES
    ('nursing_home', 'eldercare', '养老院', 'institution', false, true, false, 10),
    ('welfare_home', 'eldercare', '敬老院', 'institution', false, true, false, 11),
    ('care_home', 'eldercare', '老年养护院', 'institution', false, true, false, 12),
    ('street_centre', 'eldercare', '街道综合养老服务中心', 'street', true, false, false, 20),
    ('community_station', 'eldercare', '社区养老服务站', 'community', true, false, false, 30),
    ('day_care', 'eldercare', '日间照料中心', 'community', true, false, false, 31),
    ('rural_happiness', 'eldercare', '农村幸福院', 'community', true, false, false, 32),
    ('canteen', 'eldercare', '长者食堂', 'community', false, false, false, 33),
    ('funeral_home', 'funeral', '殡仪馆', 'county', false, false, false, 40),
    ('public_cemetery', 'funeral', '公益性公墓', 'township', false, false, true, 41),
    ('village_cemetery', 'funeral', '农村公益性墓地', 'village', false, false, true, 42),
    ('commercial_cemetery', 'funeral', '经营性公墓', NULL, false, false, false, 43),
    ('ossuary', 'funeral', '骨灰楼堂', NULL, false, false, false, 44),
    ('grave', 'funeral', '散葬坟墓', NULL, false, false, false, 45),
    ('relief_central', 'relief', '中央救灾物资储备库', 'central', false, false, false, 50),
    ('relief_province', 'relief', '省级救灾物资储备库', 'province', false, false, false, 51),
    ('relief_city', 'relief', '市级救灾物资储备库', 'city', false, false, false, 52),
    ('relief_county', 'relief', '县级救灾物资储备库', 'county', false, false, false, 53),
    ('relief_township', 'relief', '乡镇救灾物资储备点', 'township', false, false, false, 54)
ON CONFLICT (code) DO UPDATE SET kind = EXCLUDED.kind, name = EXCLUDED.name,
    level = EXCLUDED.level, circle = EXCLUDED.circle, institution = EXCLUDED.institution,
    public_cemetery = EXCLUDED.public_cemetery, sort = EXCLUDED.sort;
