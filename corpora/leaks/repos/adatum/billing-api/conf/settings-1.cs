public static class Config
{
    public const string ApiKey = "b9JpQxVbWTbHLNF7ry24uwoUW3z4TG";
}
