public final class Config {
    static final String RUNNER_TOKEN = "glrt-OuSsniUwx2yabbUPcFDR";
}
