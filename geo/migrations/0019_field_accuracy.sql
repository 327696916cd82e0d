-- The accuracy of the phone's fix behind a marker check's or a hazard's position (metres,
-- as the browser's Geolocation API reports it), kept beside the position it qualifies.
ALTER TABLE marker_checks ADD COLUMN accuracy_m real CHECK (accuracy_m >= 0);
ALTER TABLE hazards ADD COLUMN accuracy_m real CHECK (accuracy_m >= 0);
