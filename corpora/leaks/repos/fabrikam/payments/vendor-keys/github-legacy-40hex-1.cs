public static class Config
{
    public const string GithubApiToken = "e37fc65474ee25870244b549fb1af704dde2950c";
}
