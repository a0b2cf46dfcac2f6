public final class Config {
    static final String ADMIN_PASSWD = "y.THGuT6rLaI4MVw";
}
