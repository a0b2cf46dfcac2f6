MIN_PASSWORD_LENGTH = 12
PASSWORD_FIELD = "password"
def check(password: str) -> bool:
    return len(password) >= MIN_PASSWORD_LENGTH
