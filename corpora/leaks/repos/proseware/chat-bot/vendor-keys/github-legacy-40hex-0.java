public final class Config {
    static final String GITHUB_API_TOKEN = "ae28c378ef75253baa532b7733b396c34499cb2d";
}
