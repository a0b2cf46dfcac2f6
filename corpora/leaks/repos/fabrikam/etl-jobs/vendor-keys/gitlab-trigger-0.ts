export const GITLAB_TRIGGER_TOKEN: string = "glptt-7dd360bd88ea6026c5bdee3b422e82b5df6c89c0";
