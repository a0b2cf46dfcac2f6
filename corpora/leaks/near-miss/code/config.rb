Rails.application.configure do
  config.secret_key_base = ENV.fetch("SECRET_KEY_BASE")
  config.db_password = Rails.application.credentials.dig(:db, :password)
end
