public static class Config
{
    public const string LinearApiKey = "lin_api_PtuA4xgEPOrWaOZGamKWeNwTJyTjPvTts2KY2LTS";
}
