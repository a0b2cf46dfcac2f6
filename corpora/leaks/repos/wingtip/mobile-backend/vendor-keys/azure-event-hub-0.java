public final class Config {
    static final String EVENTHUB_CONNECTION_STRING = "Endpoint=sb://etl-jobs-ehns.servicebus.windows.net/;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=75aYPkovyXOdNu7fRsRyiSuqn55mdzocxOyBXIwMie4=;EntityPath=telemetry";
}
