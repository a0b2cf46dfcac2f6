public final class Config {
    static final String SLACK_WEBHOOK_URL = "https://hooks.slack.com/services/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";
}
