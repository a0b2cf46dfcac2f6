#!/bin/sh
curl -u "$API_USER:$API_PASSWORD" https://api.example.com/v1/ping
curl -H "Authorization: Bearer $TOKEN" https://api.example.com/v1/me
curl -H 'Authorization: Bearer <token>' https://api.example.com/v1/me
