"""gunicorn settings for production (Dockerfile and docker-compose.yml run `gunicorn -c gunicorn.conf.py`).

The access log leaves the client address out: each /s/<code> request would otherwise be written
next to the visitor's IP, although Advocacy promises to store no raw IP (README, "Privacy").
The user agent and referrer are left out for the same reason.
"""

bind = "0.0.0.0:8000"
workers = 3
accesslog = "-"
# Time, request line, status, response bytes, duration in ms. No %(h)s, %({x-forwarded-for}i)s, %(a)s, %(f)s.
access_log_format = '%(t)s "%(r)s" %(s)s %(b)s %(M)sms'
