# Models of incidents.
