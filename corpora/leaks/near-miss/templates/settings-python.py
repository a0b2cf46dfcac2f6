API_KEY = "<your-token>"
