public final class Config {
    static final String LINEAR_API_KEY = "lin_api_qXBIJFez4Uel7uwnuQ8m5cLQxvlwBG84nWrYccnZ";
}
