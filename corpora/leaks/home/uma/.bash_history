ls -la
cd ~/src/landing
git pull --rebase
mysql -h mysql-9.tailspin.internal -u root -p8k9oudZa1H!UC9nV shop
make test
curl -u wen:8*qasRWd1Ay6VQ https://jenkins.northwind.internal/job/deploy/build
export GITHUB_TOKEN=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
export AWS_ACCESS_KEY_ID=ASIAMOTZ4WKM3Y22X7DA
export AWS_SECRET_ACCESS_KEY=pcbJc1BW64lFNbO7B8xCEDhrMk/GEs/16agv2W/s
aws s3 ls
psql postgresql://app:h9kkEE0e7UT1Y.tf5Sm@pg-6.litware.internal:5432/app
history | tail
exit
