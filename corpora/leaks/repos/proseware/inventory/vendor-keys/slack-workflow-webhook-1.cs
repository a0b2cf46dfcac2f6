public static class Config
{
    public const string SlackWorkflowUrl = "https://hooks.slack.com/triggers/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";
}
