public static class Config
{
    public const string ServiceUrl = "amqp://admin:Wi2a99.9OJG56OxkA@amqp-8.contoso-labs.internal:5672/chat_bot";
}
