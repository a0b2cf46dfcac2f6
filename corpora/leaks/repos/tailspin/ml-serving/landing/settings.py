from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent

# SECURITY WARNING: keep the secret key used in production secret!
SECRET_KEY = '9a1(8n&ab#s6o$3@x-%pcpi&m-t-@+a1e)vufm9l@0)qmh3@8$'

DEBUG = False
ALLOWED_HOSTS = ['landing.wingtip.internal']

DATABASES = {
    'default': {
        'ENGINE': 'django.db.backends.postgresql',
        'NAME': 'inventory',
        'USER': 'django',
        'PASSWORD': 'Zt9H2WrFcoQhQjy.5men',
        'HOST': 'pg-8.wingtip.internal',
        'PORT': '5432',
    }
}
