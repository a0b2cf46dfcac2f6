package config

const ConnectionUrl = "rediss://kwame:5jMaDl_4q9Jw6iFgQ@rediss-9.northwind.internal:6380/etl_jobs"
