# Models of コールセンター.
