curl -H "Authorization: Basic dW1hOmV2dU9qNypCaXBVNjBx" https://api.northwind.internal/v1/health
