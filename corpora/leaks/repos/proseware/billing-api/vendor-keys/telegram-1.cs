public static class Config
{
    public const string TelegramBotToken = "517749226:AATK7MEgd1eyYAlxJW646NYM_UI5yPTtBeh";
}
