from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent

# SECURITY WARNING: keep the secret key used in production secret!
SECRET_KEY = '$_hav-etw5o&e1&788xbbx(os^nu7o83d3^zm5a#6i1bhes-8p'

DEBUG = False
ALLOWED_HOSTS = ['ml-serving.contoso-labs.internal']

DATABASES = {
    'default': {
        'ENGINE': 'django.db.backends.postgresql',
        'NAME': 'chat_bot',
        'USER': 'django',
        'PASSWORD': 'xfLQgZUMwt8~BKbC',
        'HOST': 'pg-7.fabrikam.internal',
        'PORT': '5432',
    }
}
