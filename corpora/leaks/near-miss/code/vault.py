import hvac
client = hvac.Client(url=VAULT_ADDR, token=read_token_file())
password = client.secrets.kv.read_secret_version(path='db')['data']['data']['password']
