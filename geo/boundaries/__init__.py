"""Administrative boundaries (行政区域界线, DOMAIN §D): the line and marker register, division
history, topology checks, joint inspections (联检) and patrol logging from the field."""
