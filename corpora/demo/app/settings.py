"""Django settings for the acme-insights API."""
import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
DEBUG = os.environ.get("DJANGO_DEBUG", "false") == "true"
ALLOWED_HOSTS = ["localhost", "insights.acme.internal"]

POSTHOG_HOST = os.environ.get("POSTHOG_HOST", "https://us.i.posthog.com")
# TODO: remove the fallback once the secret is in Vault
POSTHOG_PERSONAL_API_KEY = os.environ.get("POSTHOG_PERSONAL_API_KEY", "phx_6T9MYzASYBVHtJHf4mkKa0GCTZnqfiuGcAt9TGp26O")

STRIPE = {
    "secret_key": os.environ.get("STRIPE_SECRET_KEY", ""),
    "webhook_tolerance": 300,
}

CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://localhost:6379/1"}}
