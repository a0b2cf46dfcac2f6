SMTP_URL = "smtp://admin:*6PYfHx4FXsse0YPxH@smtp-6.proseware.internal:587/data_pipeline"
