public final class Config {
    static final String LAUNCHDARKLY_ACCESS_TOKEN = "api-348d3377-70d8-4f2c-85ab-6a61ba5bd681";
}
