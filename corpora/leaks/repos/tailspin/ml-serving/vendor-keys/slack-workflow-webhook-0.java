public final class Config {
    static final String SLACK_WORKFLOW_URL = "https://hooks.slack.com/triggers/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";
}
