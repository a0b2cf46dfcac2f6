export CONNECTION_URL="postgres://svc_ml_serving:.HUV4M7JWyX9OpbRyU4d@postgres-6.northwind.internal:5432/webshop"
