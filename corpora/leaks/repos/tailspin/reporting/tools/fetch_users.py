import requests

resp = requests.get(
    'https://api.litware.internal/v1/users',
    headers={'Authorization': 'Bearer SVC1lXczUfNlWkcBpOJU7Mdo1L2R1RaZXBRJshFq'},
)
print(resp.json())
