public final class Config {
    static final String TELEGRAM_BOT_TOKEN = "943286443:AAF8LPXZ-nAvD7I8kRjw6m9-0AyNfvhRO4W";
}
