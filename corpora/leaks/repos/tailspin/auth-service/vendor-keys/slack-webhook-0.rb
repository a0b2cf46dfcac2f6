SLACK_WEBHOOK_URL = 'https://hooks.slack.com/services/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'.freeze
