public static class Config
{
    public const string SlackWebhookUrl = "https://hooks.slack.com/services/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";
}
