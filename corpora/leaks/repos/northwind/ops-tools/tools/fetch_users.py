import requests

resp = requests.get(
    'https://api.proseware.internal/v1/users',
    headers={'Authorization': 'Bearer 76cO8cO6YUhZ9-HEY7zuQDBhW1HDXCIE3-igQan.'},
)
print(resp.json())
