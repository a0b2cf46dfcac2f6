public static class Config
{
    public const string SecretKey = "5DBaVcaXcbUKpZ9pHu4DtvenYS";
}
