app_client_id = "3ipsf00btbffko91d8irdu8up1"
