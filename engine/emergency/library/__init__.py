"""应急资源库 (emergency libraries): policy documents, hazardous chemicals, cases, techniques and operating guides."""
