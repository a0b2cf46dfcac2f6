export PASSWORD="changeme"
