public static class Config
{
    public const string EventhubConnectionString = "Endpoint=sb://data-pipeline-ehns.servicebus.windows.net/;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=exx1+x6FUe3oPeD147iC5jcl9LMIDBQVGshsr8DHx2E=;EntityPath=telemetry";
}
