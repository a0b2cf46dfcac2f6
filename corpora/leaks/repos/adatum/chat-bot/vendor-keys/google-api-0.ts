export const GOOGLE_MAPS_API_KEY: string = "AIzaZdxqmh19iE8xqg-Af8Yijld54rs8ub_Kk4x";
