SERVICE_URL = "mongodb+srv://yusuf:WD5iI0JHh*b6a35rvR@cluster0.dmind.mongodb.net/payments"
