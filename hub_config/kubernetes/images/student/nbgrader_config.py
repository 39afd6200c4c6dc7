"""nbgrader in every pod of the course (students' servers and the formgrader): the ngshare exchange.

Installed as /etc/jupyter/nbgrader_config.py by the student image; ngshare runs in the hub's
namespace as the Service "ngshare" (hub_config/kubernetes/ngshare-values.yaml).
"""

from ngshare_exchange import configureExchange

c = get_config()  # noqa: F821 (nbgrader provides it)
configureExchange(c, "http://ngshare:8080/services/ngshare")
c.CourseDirectory.course_id = "dl-course"
