export const ACCESS_TOKEN: string = "0GGfSuvb5ieOLkjuf7l5WYOXXcwXfS";
