NPM_TOKEN = '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'.freeze
